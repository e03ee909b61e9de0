// Entry point of the bundle (action/dist/index.js): the runner starts it in the workspace.
import { run } from './main.js';

await run();
