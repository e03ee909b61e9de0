// Worker-thread side of classifyAsync(): parses and classifies long texts off the main
// event loop. Answers every request, with an error message when classification throws
// (the caller then classifies on its own thread).
import { parentPort } from 'node:worker_threads';
import { classifyNow, initClassifier } from './classify.js';
import type { ClassifierOptions } from './types.js';

await initClassifier();
parentPort?.on('message', (msg: { id: number; sql: string; opts: ClassifierOptions }) => {
  try {
    parentPort?.postMessage({ id: msg.id, result: classifyNow(msg.sql, msg.opts) });
  } catch (err) {
    parentPort?.postMessage({
      id: msg.id,
      error: err instanceof Error ? err.message : String(err),
    });
  }
});
