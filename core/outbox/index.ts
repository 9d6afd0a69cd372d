export { Dispatcher, type DispatcherOptions, type RoundReport } from './dispatcher.ts';
export { listDeadLetters, replayDeadLetters, markDelivered, type DeadLetterFilter } from './dead-letters.ts';
export { retryDelay, type BackoffPolicy } from './backoff.ts';
export { maskPersonalData } from './mask.ts';
export { messageView, type MessageView } from './message-view.ts';
export type { Adapter, Delivery, SendOutcome, TargetLimits } from './types.ts';
