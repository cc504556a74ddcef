/** What the network side and the application side of the edge share. */
import type { EdgeConfig, Logger } from '@callgate/contracts';
import type { SipMessage } from '../sip/message.js';
import type { Remote, TransportName } from '../transport/types.js';
import type { TransactionManager } from '../transaction/manager.js';
import type { OverloadGuard } from './overload-guard.js';
import type { Clock } from '../transaction/clock.js';
import type { DialogStore } from '../dialog/dialog.js';
import type { AppConnection } from '../wire/control-server.js';
import type { EdgeMetrics } from './metrics.js';
import type { NetworkSide } from './network-side.js';
import type { AppSide } from './app-side.js';

export interface EdgeContext {
  config: EdgeConfig;
  logger: Logger;
  metrics: EdgeMetrics;
  clock: Clock;
  overload: OverloadGuard;
  txm: TransactionManager;
  dialogs: DialogStore;
  /** host (IPv6 in brackets) and port to advertise in Via/Contact for a transport */
  advertised: (transport: TransportName) => { host: string; port: number };
  sendRaw: (target: Remote, data: Buffer, msg?: SipMessage) => void;
  app: (id: string) => AppConnection | undefined;
  appFor: (method: string) => AppConnection | undefined;
  /** methods routed by at least one authenticated application (lower case) */
  routedMethods: () => string[];
  network: NetworkSide;
  appSide: AppSide;
}

export const USER_AGENT = 'Callgate edge';
