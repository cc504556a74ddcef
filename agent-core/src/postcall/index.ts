/**
 * Post-call batch work: one BullMQ flow per ended call on the `batch` queue (redact → summarize → analytics →
 * retention marks), its worker, and the governor that makes batch work yield to live calls.
 */
export {
  DEFAULT_BATCH_QUEUE_NAME,
  POST_CALL_STEPS,
  PostCallFlows,
  isPostCallStep,
  postCallJobId,
  type BatchQueueCommonOptions,
  type EnqueueResult,
  type PostCallFlowsOptions,
  type PostCallJobData,
  type PostCallStatus,
  type PostCallStep,
  type StepJobState,
} from './flow.js';
export {
  DEFAULT_RETENTION_POLICY,
  PostCallWorker,
  type ModelSummarizer,
  type PostCallWorkerOptions,
  type StepCompleted,
  type StepFailed,
  type StepResult,
} from './worker.js';
export {
  BatchGovernor,
  DEFAULT_REALTIME_QUEUE_NAME,
  queueLag,
  type BatchGovernorOptions,
  type GovernorState,
  type RealtimeLag,
  type YieldReason,
  type Yieldable,
} from './governor.js';
export { extractiveSummary, describeToolCall, outcomeSentence, splitSentences, type ExtractiveSummaryOptions } from './summary.js';
export { callAnalytics, latencyStats, percentile } from './analytics.js';
export { MemoryPostCallStore, type MemoryPostCallStoreOptions, type StoreOp, type StoreWrite, type StoreWriteOp } from './memory-store.js';
export type {
  CallAnalytics,
  CallOutcome,
  CallSummary,
  LatencyStats,
  PostCallRecord,
  PostCallStore,
  QualitySample,
  RetentionMarks,
  RetentionPolicy,
  SessionRecord,
  Speaker,
  ToolCallRecord,
  TurnRecord,
  TurnTimings,
} from './store-port.js';
export { ConversationPostCallStore, readTurnMeta, turnMeta, type TurnMeta } from './store-adapter.js';
