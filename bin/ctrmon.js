#!/usr/bin/env node
'use strict';
// `ctrmon monitor` runs as long as its container, one per container: it loads a bundle of its
// own code only. Every other command loads the whole command line.
const entry = process.argv[2] === 'monitor' ? 'ctrmon-monitor.js' : 'ctrmon.js';
require('./load-bundle').load(entry).exports.main(process.argv);
