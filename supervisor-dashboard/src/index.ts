export const SERVICE = 'supervisor-dashboard';
export { startDashboard, type DashboardStartOptions, type RunningDashboard } from './server/start.js';
export { hashPassword, verifyPassword } from './auth/passwords.js';
export { AccountConfigError } from './auth/accounts.js';
export type * from './api/types.js';
