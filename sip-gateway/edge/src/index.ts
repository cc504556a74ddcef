/** The embedded SIP edge: a SIP server that speaks the drachtio wire protocol to drachtio-srf applications. */
import type { Registry } from 'prom-client';
import type { EdgeConfig, Logger } from '@callgate/contracts';
import { SipEdge, type ListeningAddress } from './core/sip-edge.js';

export { SipEdge } from './core/sip-edge.js';
export type { ListeningAddress } from './core/sip-edge.js';

export interface RunningEdge {
  edge: SipEdge;
  listening: ListeningAddress[];
  control: { address: string; port: number };
  stop(): Promise<void>;
}

export async function startEdge(opts: { config: EdgeConfig; logger: Logger; registry: Registry }): Promise<RunningEdge> {
  const edge = new SipEdge(opts);
  const { sip, control } = await edge.start();
  return { edge, listening: sip, control, stop: () => edge.stop() };
}
