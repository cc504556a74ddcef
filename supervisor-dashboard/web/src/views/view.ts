// What every page view gets, and what it gives back: a function that tears it down (subscriptions, timers, charts).
import type { LiveSocket } from '../live-socket.js';
import type { Me } from '../types.js';

export interface ViewContext {
  me: Me;
  socket: LiveSocket;
}

export type Unmount = () => void;

export function setTitle(page: string): void {
  document.title = `${page} · Callgate supervisor`;
}
