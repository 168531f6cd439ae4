// The sections of a `ctrmon bench` run, in their order (`--only` picks some): a leaf, so that the
// command line can check the option without loading the benchmark.
export const BENCH_SECTIONS = ['relay', 'memory', 'idle', 'flood', 'pull', 'start', 'auto-update', 'socket'] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];
