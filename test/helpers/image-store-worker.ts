// A second ctrmon process for the image store's tests (run with node, compiled):
//   tag <root> <prefix> <count> <descriptor json>   tags <prefix>-0 .. <prefix>-<count-1>, prints "done"
//   ingest <root> <digest> <size> <bytes>           writes the first <bytes> of a blob of zeros, prints "written", then waits to be killed
import { ImageStore } from '../../src/image/store/store';
import { parseDigest } from '../../src/image/digest';
import { parseDescriptor } from '../../src/image/store/index-file';

async function main(): Promise<void> {
  const [command, root, ...args] = process.argv.slice(2);
  const store = await ImageStore.open(root);
  if (command === 'tag') {
    const [prefix, count, json] = args;
    const descriptor = parseDescriptor(JSON.parse(json), 'argument');
    for (let i = 0; i < Number(count); i++) await store.tag(`${prefix}-${i}`, descriptor);
    process.stdout.write('done\n');
  } else if (command === 'ingest') {
    const [digest, size, bytes] = args;
    const ingest = await store.openIngest(parseDigest(digest), Number(size));
    if (!ingest) throw new Error('blob already stored');
    await ingest.write(Buffer.alloc(Number(bytes)));
    process.stdout.write('written\n');
    setInterval(() => undefined, 1000);
  } else {
    throw new Error(`unknown command ${command}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
