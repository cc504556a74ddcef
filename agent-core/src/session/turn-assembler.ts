/**
 * Closes the caller's turns. A spoken turn closes when BOTH the media bridge's `speech_end` and the recogniser's
 * `final` for it have arrived (in either order): speech_end makes the recogniser flush, so the final follows
 * within its flush latency. Recogniser finals that arrive before speech_end (the engine cut the utterance
 * itself) are kept and joined to the rest. Keypad digits make their own turns: `#` closes one at once, any other
 * key after `interDigitMs` without another key.
 *
 * The latest non-empty partial at speech_end is handed out early (`onEarly`) so the session can start the reply
 * on it before the final arrives, keeping that work only if the final agrees.
 */

export interface CallerTurn {
  /** what was recognised (raw: the session redacts before anything leaves agent-core) */
  text: string;
  /** keys pressed, in order ("#" included when pressed) */
  dtmf?: string;
  /** bridge speech_end media ms (spoken turns) */
  speechEndMs?: number;
  speechMs?: number;
  /** local clock (performance.now) when the recogniser's final arrived */
  sttFinalAt?: number;
}

export interface TurnAssemblerHandlers {
  /** the caller's turn is complete */
  onTurn(turn: CallerTurn): void;
  /** speech ended and the recogniser has a hypothesis already (may differ from the final) */
  onEarly?(text: string): void;
  /** asks the recogniser to finish the utterance now */
  flush(): void;
}

export interface TurnAssemblerOptions {
  /** default 1500 */
  interDigitMs?: number;
  now?: () => number;
}

export class TurnAssembler {
  private finals: string[] = [];
  private partial = '';
  private speechEnd: { atMs: number; speechMs: number } | undefined;
  private digits = '';
  private digitTimer: NodeJS.Timeout | undefined;
  private readonly interDigitMs: number;
  private readonly now: () => number;

  constructor(
    private readonly handlers: TurnAssemblerHandlers,
    opts: TurnAssemblerOptions = {},
  ) {
    this.interDigitMs = opts.interDigitMs ?? 1500;
    this.now = opts.now ?? (() => performance.now());
  }

  /** the caller started speaking */
  speechStart(): void {
    this.partial = '';
  }

  partialText(text: string): void {
    this.partial = text.trim();
  }

  /** the recogniser's final for one utterance */
  final(text: string): void {
    const t = text.trim();
    if (t) this.finals.push(t);
    this.partial = '';
    if (this.speechEnd) this.close();
  }

  /** the media bridge's end of the caller's speech */
  speechEnded(atMs: number, speechMs: number): void {
    this.speechEnd = { atMs, speechMs };
    const early = [...this.finals, this.partial].filter(Boolean).join(' ');
    if (early && this.handlers.onEarly) this.handlers.onEarly(early);
    this.handlers.flush();
  }

  dtmf(digit: string): void {
    this.digits += digit;
    clearTimeout(this.digitTimer);
    if (digit === '#') return this.closeDigits();
    this.digitTimer = setTimeout(() => this.closeDigits(), this.interDigitMs);
    this.digitTimer.unref?.();
  }

  dispose(): void {
    clearTimeout(this.digitTimer);
  }

  private close(): void {
    const end = this.speechEnd!;
    const turn: CallerTurn = { text: this.finals.join(' '), speechEndMs: end.atMs, speechMs: end.speechMs, sttFinalAt: this.now() };
    this.finals = [];
    this.speechEnd = undefined;
    this.handlers.onTurn(turn);
  }

  private closeDigits(): void {
    clearTimeout(this.digitTimer);
    const dtmf = this.digits;
    this.digits = '';
    if (dtmf) this.handlers.onTurn({ text: '', dtmf });
  }
}
