// Entry of the demo's own bundle (dist/ctrmon-demo.js), loaded by `ctrmon demo` alone.
export { runDemo } from './run-demo';
export { runPortsDemo } from './run-demo-ports';
export { runSystemdDemo } from './run-demo-systemd';
export { runUpdateDemo } from './run-demo-update';
