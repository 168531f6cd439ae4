// The tar format of image archives (oci-archive, docker-archive): archives of blobs and JSON files,
// never of root filesystems, so only regular files and directories are read and written, plus
// symbolic links as names within the archive (docker-archive writers link duplicate layer files)
// that are resolved here and never created anywhere. Reading: ustar, GNU and PAX headers (long
// names and sizes from PAX records and GNU L/K entries, base-256 sizes), every header checksummed;
// any other entry type is refused. Writing: ustar, with a PAX record for a name over 100 bytes or
// a size over 8 GiB. The reader works on a file by positional reads of its headers only: a caller
// streams what it needs from the offsets it gets, in any order.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

import { CtrmonError } from '../../errors';

const BLOCK = 512;
const MAX_ENTRIES = 100_000;
const MAX_META_BYTES = 1024 * 1024;
const MAX_USTAR_SIZE = 0o77777777777;

export interface TarEntry {
  /** Normalised: no leading `./` or trailing `/`. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  /** Where the entry's data starts in the file. */
  offset: number;
  linkName?: string;
}

function tarError(file: string, why: string): CtrmonError {
  return new CtrmonError('ERR_STORE', `image archive ${file}: ${why}`, { path: file });
}

function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function parseNumber(buf: Buffer, start: number, length: number, file: string, what: string): number {
  const field = buf.subarray(start, start + length);
  if (field[0] & 0x80) {
    // base-256 (GNU): big-endian two's complement with the top bit as the marker
    if (field[0] === 0xff) throw tarError(file, `negative ${what} in a header`);
    let value = field[0] & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    if (!Number.isSafeInteger(value)) throw tarError(file, `${what} too large`);
    return value;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw tarError(file, `invalid ${what} ${JSON.stringify(text)} in a header`);
  return Number.parseInt(text, 8);
}

function checksumOk(header: Buffer, stored: number): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** PAX records `<len> <key>=<value>\n`. */
function parsePax(data: Buffer, file: string): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? Number.NaN : Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isSafeInteger(length) || length <= 0 || pos + length > data.length || data[pos + length - 1] !== 0x0a) {
      throw tarError(file, 'malformed PAX header');
    }
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw tarError(file, 'malformed PAX record');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

/**
 * An entry name as a key: relative, without `.` components, '' for the archive's root; `..` or an
 * absolute name is refused (nothing may name a place outside the archive).
 */
export function normaliseEntryName(name: string, file: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (name.startsWith('/') || parts.includes('..') || name.includes('\0')) {
    throw tarError(file, `entry name ${JSON.stringify(name)} is not a plain relative path`);
  }
  return parts.join('/');
}

function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

/** Every entry of the tar file, by reading its headers. */
export function readTarIndex(file: string): TarEntry[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new CtrmonError('ERR_STORE', `cannot open image archive ${file}: ${(err as Error).message}`, { path: file }, { cause: err });
  }
  try {
    const fileSize = fstatSync(fd).size;
    const entries: TarEntry[] = [];
    let pos = 0;
    let pax = new Map<string, string>();
    let longName: string | null = null;
    let longLink: string | null = null;
    for (;;) {
      const header = readAt(fd, BLOCK, pos);
      if (header.length < BLOCK) throw tarError(file, `truncated at byte ${pos} (no end-of-archive blocks)`);
      if (header.every((b) => b === 0)) break;
      if (!checksumOk(header, parseNumber(header, 148, 8, file, 'checksum'))) {
        throw tarError(file, `bad header checksum at byte ${pos}: not a tar archive, or a corrupt one`);
      }
      const type = String.fromCharCode(header[156] || 0x30);
      let size = parseNumber(header, 124, 12, file, 'size');
      if (pax.has('size')) size = Number(pax.get('size'));
      if (!Number.isSafeInteger(size) || size < 0) throw tarError(file, `invalid size at byte ${pos}`);
      const offset = pos + BLOCK;
      if (offset + size > fileSize) throw tarError(file, `truncated: an entry at byte ${pos} runs past the end`);
      pos = offset + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (size > MAX_META_BYTES) throw tarError(file, `a ${type} header of ${size} bytes`);
        const data = readAt(fd, size, offset);
        if (type === 'x') pax = new Map([...pax, ...parsePax(data, file)]);
        else if (type === 'g') {
          const global = parsePax(data, file);
          if (global.has('path') || global.has('linkpath') || global.has('size'))
            throw tarError(file, 'global PAX headers naming entries are not supported');
        } else if (type === 'L') longName = cString(data, 0, data.length);
        else longLink = cString(data, 0, data.length);
        continue;
      }
      const ustar = header.subarray(257, 263).toString('latin1') === 'ustar\0';
      const prefix = ustar ? cString(header, 345, 155) : '';
      const rawName = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
      const linkName = pax.get('linkpath') ?? longLink ?? cString(header, 157, 100);
      pax = new Map();
      longName = null;
      longLink = null;
      const kind = type === '0' || type === '7' ? 'file' : type === '5' ? 'directory' : type === '2' ? 'symlink' : null;
      if (kind === null)
        throw tarError(file, `entry ${JSON.stringify(rawName)} has type '${type}': only files and directories belong in an image archive`);
      const name = normaliseEntryName(rawName, file);
      if (name === '' && kind === 'directory') continue;
      if (name === '') throw tarError(file, `entry ${JSON.stringify(rawName)} has no name`);
      const entry: TarEntry = { name, type: kind, size: kind === 'file' ? size : 0, offset };
      if (kind === 'symlink') entry.linkName = linkName;
      entries.push(entry);
      if (entries.length > MAX_ENTRIES) throw tarError(file, `more than ${MAX_ENTRIES} entries`);
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

/** The file entry name means, following symbolic links within the archive; undefined when there is none. */
export function findFile(entries: ReadonlyMap<string, TarEntry>, name: string, file: string): TarEntry | undefined {
  let current = normaliseEntryName(name, file);
  for (let hops = 0; hops < 16; hops++) {
    const entry = entries.get(current);
    if (entry?.type !== 'symlink') return entry?.type === 'file' ? entry : undefined;
    const target = entry.linkName!.startsWith('/') ? entry.linkName! : path.posix.join(path.posix.dirname(current), entry.linkName!);
    current = normaliseEntryName(path.posix.normalize(target), file);
  }
  throw tarError(file, `too many symbolic links resolving ${name}`);
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function header(name: string, type: string, size: number, mode: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  buf.write(name, 0, 100, 'utf8');
  buf.write(octal(mode, 8), 100, 'latin1');
  buf.write(octal(0, 8), 108, 'latin1');
  buf.write(octal(0, 8), 116, 'latin1');
  buf.write(octal(size, 12), 124, 'latin1');
  buf.write(octal(0, 12), 136, 'latin1');
  buf.write(type, 156, 'latin1');
  buf.write('ustar\u000000', 257, 'latin1');
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return buf;
}

/** Writes a tar archive to an open file, entry by entry (mtime 0, owner 0: archives of the same content are identical). */
export class TarWriter {
  constructor(private readonly out: FileHandle) {}

  private async writeHeader(name: string, type: '0' | '5', size: number, mode: number): Promise<void> {
    const records = [
      ...(Buffer.byteLength(name) > 100 ? [paxRecord('path', name)] : []),
      ...(size > MAX_USTAR_SIZE ? [paxRecord('size', String(size))] : []),
    ].join('');
    if (records !== '') {
      const data = Buffer.from(records, 'utf8');
      await this.out.write(header('PaxHeader', 'x', data.length, 0o644));
      await this.out.write(Buffer.concat([data, Buffer.alloc(padding(data.length))]));
    }
    await this.out.write(header(name.slice(0, 100), type, size > MAX_USTAR_SIZE ? 0 : size, mode));
  }

  async addDirectory(name: string): Promise<void> {
    await this.writeHeader(`${name}/`, '5', 0, 0o755);
  }

  /** A file of size bytes from data; fewer or more bytes than size is an error. */
  async addFile(name: string, size: number, data: Buffer | AsyncIterable<Buffer>): Promise<void> {
    await this.writeHeader(name, '0', size, 0o644);
    let written = 0;
    const chunks = Buffer.isBuffer(data) ? [data] : data;
    for await (const chunk of chunks) {
      written += chunk.length;
      if (written > size) throw new CtrmonError('ERR_STORE', `image archive: ${name} is longer than ${size} bytes`, { name });
      await this.out.write(chunk);
    }
    if (written !== size) throw new CtrmonError('ERR_STORE', `image archive: ${name} has ${written} bytes, not ${size}`, { name });
    await this.out.write(Buffer.alloc(padding(size)));
  }

  /** The end-of-archive marker: two zero blocks. */
  async finish(): Promise<void> {
    await this.out.write(Buffer.alloc(2 * BLOCK));
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
