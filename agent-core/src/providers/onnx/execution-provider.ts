/**
 * Opens an onnxruntime-node session on the GPU (CUDA) when asked and possible, on the CPU otherwise.
 *
 * onnxruntime-node does not fall back by itself: asking for the CUDA execution provider when the GPU, its
 * driver or the CUDA/cuDNN libraries are missing makes InferenceSession.create throw. This helper catches that,
 * logs one line that says why and that the CPU is used, and opens the session on the CPU. It always logs which
 * execution provider runs the model.
 */
import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { createLogger, type Logger } from '@callgate/contracts';
import type { InferenceSession } from 'onnxruntime-node';

export type OnnxExecutionProvider = 'cuda' | 'cpu';

export type OnnxSessionOptions = InferenceSession.SessionOptions;

/** InferenceSession.create's shape for a model file */
export type CreateOnnxSession = (modelPath: string, options: OnnxSessionOptions) => Promise<InferenceSession>;

export interface OpenOnnxSessionOptions {
  /** try CUDA first (true) or go straight to the CPU (false) */
  preferGpu: boolean;
  /** where the two log lines go (default: agent-core's JSON logger on stdout) */
  log?: Pick<Logger, 'info' | 'warn'>;
  /** further session options (threads, graph optimisation, log level); the execution provider is set here */
  sessionOptions?: Omit<OnnxSessionOptions, 'executionProviders'>;
  /** replaces onnxruntime-node's InferenceSession.create (tests) */
  create?: CreateOnnxSession;
}

export interface OpenedOnnxSession {
  session: InferenceSession;
  executionProvider: OnnxExecutionProvider;
  /** why CUDA is not used although it was preferred (absent when it was not preferred or it works) */
  gpuFallbackReason?: string;
}

let defaultLog: Pick<Logger, 'info' | 'warn'> | undefined;

/**
 * Opens `modelPath` (an .onnx file). With `preferGpu`, CUDA first and the CPU when CUDA cannot start; without
 * it, the CPU. Rejects when the file cannot be read or the CPU session cannot be created either.
 */
export async function openOnnxSession(modelPath: string, opts: OpenOnnxSessionOptions): Promise<OpenedOnnxSession> {
  const log = opts.log ?? (defaultLog ??= createLogger('agent-core').child({ component: 'onnx' }));
  const model = basename(modelPath);
  // a missing file would otherwise read as a CUDA problem first
  await access(modelPath);
  const create = opts.create ?? (await loadCreate());
  const base = opts.sessionOptions ?? {};
  let gpuFallbackReason: string | undefined;
  if (opts.preferGpu) {
    try {
      const session = await create(modelPath, { ...base, executionProviders: ['cuda'] });
      log.info(`onnx: ${model} runs on the CUDA execution provider`, { model, executionProvider: 'cuda' });
      return { session, executionProvider: 'cuda' };
    } catch (err) {
      gpuFallbackReason = err instanceof Error ? err.message : String(err);
      log.warn(`onnx: CUDA execution provider unavailable for ${model} (${gpuFallbackReason}); using the CPU instead`, {
        model,
        reason: gpuFallbackReason,
      });
    }
  }
  const session = await create(modelPath, { ...base, executionProviders: ['cpu'] });
  log.info(`onnx: ${model} runs on the CPU execution provider`, { model, executionProvider: 'cpu', preferGpu: opts.preferGpu });
  return gpuFallbackReason === undefined ? { session, executionProvider: 'cpu' } : { session, executionProvider: 'cpu', gpuFallbackReason };
}

/** loads onnxruntime-node only when a session is opened (its native library is large) */
async function loadCreate(): Promise<CreateOnnxSession> {
  const ort = await import('onnxruntime-node');
  return (path, options) => ort.InferenceSession.create(path, options);
}
