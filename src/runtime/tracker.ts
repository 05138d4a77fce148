// The program's asynchronous work in flight (wx calls, requests, timers), so a run can wait until the work a tap
// started has settled before the next tap, as a person would wait for the screen to stop changing.

export interface Tracker {
  /** Counts `p` as work in flight until it settles. */
  track<T>(p: Promise<T>): Promise<T>;
  /** Counts work in flight by hand (a timer): the returned function ends it (calling it twice is harmless). */
  begin(): () => void;
  readonly pending: number;
  /** Resolves once nothing is in flight and the microtasks that follow have run. */
  settle(): Promise<void>;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

export function createTracker(): Tracker {
  let pending = 0;
  let wake: (() => void) | undefined;
  const begin = () => {
    pending++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      pending--;
      wake?.();
    };
  };
  return {
    track(p) {
      const end = begin();
      p.then(end, end);
      return p;
    },
    begin,
    get pending() {
      return pending;
    },
    async settle() {
      for (;;) {
        // Two turns of the event loop: the callbacks of what just finished may start more work.
        await turn();
        await turn();
        if (pending === 0) return;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
      }
    },
  };
}
