/**
 * The gateway application: one Srf, the middleware chain for new requests, and the calls it answers.
 *
 *   INVITE : observe → stale-dialog guard → trunk auth → Require check → routing → admission → answer (createUAS → Call)
 *   OPTIONS: observe → stale-dialog guard → trunk auth → Require check → 200 with capabilities
 *   REGISTER/SUBSCRIBE/MESSAGE/PUBLISH/REFER: observe → guard → trunk auth → 405
 *
 * Requests inside a dialog never reach this chain: drachtio-srf gives them to their Dialog, whose events the
 * Call handles. The same code runs against the embedded edge or a drachtio-server.
 */
import Srf from 'drachtio-srf';
import type { Registry } from 'prom-client';
import type { GatewayConfig, Logger, MediaControl } from '@callgate/contracts';
import { AdmissionController } from './admission/controller.js';
import { DigestVerifier } from './auth/digest.js';
import { NonceIssuer } from './auth/nonce.js';
import { CallRegistry } from './call/registry.js';
import { createInviteHandler, type CreateUAS } from './call/invite-handler.js';
import { EdgeConnection } from './drachtio-connection.js';
import { GatewayMetrics } from './metrics.js';
import { createAdmission } from './middleware/admission.js';
import { createMethodNotAllowed, REFUSED_METHODS } from './middleware/method-not-allowed.js';
import { createObserver } from './middleware/observe.js';
import { createOptionsResponder } from './middleware/options.js';
import { createRouting, NumberPlan } from './middleware/routing.js';
import { createRequireCheck } from './middleware/require-check.js';
import { createStaleDialogGuard } from './middleware/stale-dialog.js';
import { createTrunkAuth } from './middleware/trunk-auth.js';
import type { Middleware } from './sip/types.js';

export interface GatewayOptions {
  config: GatewayConfig;
  media: MediaControl;
  registry: Registry;
  logger: Logger;
  /** how long stop() waits for BYE responses before disconnecting (default 2000 ms) */
  stopGraceMs?: number;
}

export interface RunningGateway {
  srf: Srf;
  stop(): Promise<void>;
  /** calls admitted and not yet ended (setting up or connected) */
  activeCalls(): number;
  /** stop (true) or resume (false) admitting new calls; calls in progress go on */
  drain(on: boolean): void;
  readonly draining: boolean;
}

// drachtio-srf's typings declare `next` as Function
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type SrfMiddleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: Function) => void;
const asSrf = (fn: Middleware): SrfMiddleware => fn as unknown as SrfMiddleware;

/** every configured transfer target: the only ones the media side may ask for by name */
function transferTargets(config: GatewayConfig): Set<string> {
  const s = new Set<string>();
  if (config.transferTarget) s.add(config.transferTarget);
  for (const n of config.numbers) if (n.transferTarget) s.add(n.transferTarget);
  return s;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const { config, media, logger } = opts;
  const admission = new AdmissionController(config.admission);
  const metrics = new GatewayMetrics(opts.registry, () => admission.inUse);
  const calls = new CallRegistry();
  const srf = new Srf();

  const observe = createObserver(metrics);
  const guard = createStaleDialogGuard();
  const requireCheck = createRequireCheck();
  const auth = createTrunkAuth({ trunks: config.trunks, verifier: new DigestVerifier(new NonceIssuer()), logger });
  const createUAS: CreateUAS = (req, res, o) =>
    srf.createUAS(req as unknown as Srf.SrfRequest, res as unknown as Srf.SrfResponse, o) as unknown as ReturnType<CreateUAS>;

  srf.use('invite', asSrf(observe));
  srf.use('invite', asSrf(guard));
  srf.use('invite', asSrf(auth));
  srf.use('invite', asSrf(requireCheck));
  srf.use('invite', asSrf(createRouting(new NumberPlan(config), logger)));
  srf.use('invite', asSrf(createAdmission({ controller: admission, retryAfterSeconds: config.admission.retryAfterSeconds, metrics, logger })));
  srf.use(
    'invite',
    asSrf(
      createInviteHandler({
        createUAS,
        media,
        codecs: config.codecs,
        registry: calls,
        metrics,
        logger,
        maxCallSeconds: config.maxCallSeconds,
        retryAfterSeconds: config.admission.retryAfterSeconds,
        allowedTransferTargets: transferTargets(config),
      }),
    ),
  );
  srf.use('options', asSrf(observe));
  srf.use('options', asSrf(guard));
  srf.use('options', asSrf(auth));
  srf.use('options', asSrf(requireCheck));
  srf.use('options', asSrf(createOptionsResponder()));
  const refuse = createMethodNotAllowed();
  for (const method of REFUSED_METHODS) {
    srf.use(method, asSrf(observe));
    srf.use(method, asSrf(guard));
    srf.use(method, asSrf(auth));
    srf.use(method, asSrf(refuse));
  }

  media.onEvent((event) => {
    if (!calls.dispatch(event)) logger.debug('media event for no active call', { type: event.type, endpoint_id: event.endpointId });
  });

  const connection = new EdgeConnection(srf, config.drachtio, logger);
  await connection.open();

  let stopped = false;
  return {
    srf,
    activeCalls: () => admission.inUse,
    drain(on: boolean) {
      if (admission.draining !== on) logger.info(on ? 'gateway draining: new calls get 503' : 'gateway admitting new calls again', { active_calls: admission.inUse });
      admission.draining = on;
    },
    get draining() {
      return admission.draining;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const byes = calls.all().map((c) => c.hangup('gateway shutting down'));
      const grace = new Promise<void>((r) => setTimeout(r, opts.stopGraceMs ?? 2000).unref());
      await Promise.race([Promise.allSettled(byes), grace]);
      connection.close();
      logger.info('gateway stopped');
    },
  };
}
