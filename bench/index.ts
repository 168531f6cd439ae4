// Entry of the benchmark's own bundle (dist/ctrmon-bench.js), loaded by `ctrmon bench` alone.
export { BENCH_SECTIONS, type BenchSection, FULL, QUICK, runBench } from './run-bench';
