/** Types of bench/run.js for the TypeScript tests that drive it (test/e2e/scale-smoke.test.ts). */
export declare const TARGETS: Readonly<Record<string, number>>;
/** Runs the benchmark with command-line style arguments; writes the results file (and README table) and resolves with the results. */
export declare function runBench(argv?: string[]): Promise<unknown>;
/** The markdown table of a results object. */
export declare function renderTable(results: unknown): string;
