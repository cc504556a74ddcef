/**
 * Config section of the supervisor dashboard (`dashboard`), version 1: where it listens, who may log in, the
 * SLO targets its system panel and alert metrics hold the appliance to, and how the live WebSocket coalesces.
 */
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);

/** the password of the embedded default accounts; production mode refuses to start while any account uses it */
export const DEFAULT_DASHBOARD_PASSWORD = 'callgate';

export const dashboardUserSchema = z
  .object({
    username: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, 'letters, digits, dot, dash or underscore (1–64)'),
    role: z.enum(['admin', 'supervisor']),
    /** scrypt hash made by `callgate hash-password` (scrypt$N$r$p$salt$hash); or `password` (plain or `${ENV_VAR}`) */
    passwordHash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'a hash from `callgate hash-password`').optional(),
    password: z.string().min(1).optional(),
  })
  .strict()
  .refine((u) => Boolean(u.passwordHash) !== Boolean(u.password), { message: 'set exactly one of passwordHash or password', path: ['passwordHash'] });

const sloTarget = z.number().positive().max(60_000);

export const dashboardSchema = z
  .object({
    listen: z.object({ address: host.default('127.0.0.1'), port: port.default(8080) }).strict().default({}),
    /** production: refuses to start with a default password or without users; cookies are Secure */
    production: z.boolean().default(false),
    /** HTTPS with these PEM files; without them serve HTTP (put TLS in front in production and set `trustProxyTls`) */
    tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
    /** a TLS-terminating proxy sits in front: cookies get Secure although this server speaks HTTP */
    trustProxyTls: z.boolean().default(false),
    /** accounts; none configured = the embedded defaults admin/supervisor with password `callgate` (printed at start) */
    users: z.array(dashboardUserSchema).default([]),
    /** idle session lifetime */
    sessionTtlMs: z.number().int().min(60_000).default(8 * 60 * 60 * 1000),
    /** failed logins per username+address before a lockout of `loginLockoutMs` */
    loginMaxFailures: z.number().int().min(1).max(100).default(5),
    loginLockoutMs: z.number().int().min(1000).default(5 * 60 * 1000),
    /** live WebSocket: at most one update per topic per this interval; a slow socket is skipped, then resynced */
    liveFlushMs: z.number().int().min(50).max(5000).default(250),
    /** bytes buffered for one socket above which updates are coalesced instead of sent */
    liveMaxBufferedBytes: z.number().int().min(16 * 1024).default(1024 * 1024),
    /** ended calls stay in the live list this long */
    endedLingerMs: z.number().int().min(0).default(30_000),
    /** SLO targets (p95 over `windowMs`); a breach held for `holdMs` shows red and raises callgate_slo_breached */
    slo: z
      .object({
        windowMs: z.number().int().min(10_000).default(5 * 60 * 1000),
        holdMs: z.number().int().min(0).default(60_000),
        /** minimum samples in the window before a p95 is judged */
        minSamples: z.number().int().min(1).default(5),
        turnLatencyP95Ms: sloTarget.default(1200),
        bargeInP95Ms: sloTarget.default(150),
        sttFirstPartialP95Ms: sloTarget.default(600),
        firstTokenP95Ms: sloTarget.default(900),
        firstAudioP95Ms: sloTarget.default(1100),
      })
      .strict()
      .default({}),
  })
  .strict();

export type DashboardConfig = z.infer<typeof dashboardSchema>;
export type DashboardUserConfig = z.infer<typeof dashboardUserSchema>;
