export {
  BUILTIN_TOOLS,
  BUILTIN_TOOL_NAMES,
  DEFAULT_TOOL_TIMEOUT_MS,
  ToolConfigError,
  compileTools,
  createSchemaAjv,
  formatSchemaErrors,
  type BreakerConfig,
  type BuiltinToolConfig,
  type BuiltinToolName,
  type CompileToolsOptions,
  type CompiledBuiltinTool,
  type CompiledTool,
  type CompiledWebhookTool,
  type RateLimitConfig,
  type ToolConfig,
  type WebhookConfig,
  type WebhookToolConfig,
} from './definitions.js';
export { ToolRegistry, type ValidationResult } from './registry.js';
export {
  ToolError,
  abortError,
  failure,
  isHealthFailure,
  type ToolAction,
  type ToolErrorCode,
  type ToolOutcome,
} from './outcome.js';
export { MAX_RESPONSE_BYTES, callWebhook, type WebhookCallOptions, type WebhookPayload } from './webhook.js';
export { TokenBucket } from './rate-limit.js';
export {
  DEFAULT_QUEUE_NAME,
  DEFAULT_RETENTION_S,
  ToolQueue,
  ToolWorker,
  jobIdFor,
  toolIdempotencyKey,
  type OutcomeHook,
  type ToolJobData,
  type ToolQueueOptions,
  type ToolRunContext,
  type ToolWorkerOptions,
} from './realtime-queue.js';
export {
  DEMO_CALENDAR_PORT,
  DEMO_DAYS,
  DEMO_TOOLS,
  demoTools,
  startDemoCalendar,
  type Appointment,
  type CallbackRequest,
  type DemoCalendar,
  type DemoCalendarOptions,
} from './demo-calendar.js';
export { JobSealer, isSealed, type Sealed } from './job-sealer.js';
