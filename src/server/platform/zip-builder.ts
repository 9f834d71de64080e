/**
 * A store-only zip written piece by piece, so that a long export streams while it is produced:
 * `entry()` returns the bytes to write for one file, `finish()` the central directory. Entries are
 * stored (method 0): the writer only frames them (PDFs, videos and zips are compressed already).
 * Used by the certificate zip exports and the course archive.
 */
import zlib from 'node:zlib';

export interface ZipEntryRecord {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
}

/** Zip limits without Zip64: entry count and offsets must fit 16 and 32 bits. */
export const ZIP_MAX_ENTRIES = 65_000;
const ZIP_MAX_BYTES = 0xffff_fff0;

function dosDateTime(d: Date): { time: number; date: number } {
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return { time, date };
}

/** Builds a store-only zip piece by piece: `entry()` returns the bytes to write, `finish()` the central directory. */
export class ZipBuilder {
  private readonly records: ZipEntryRecord[] = [];
  private offset = 0;
  private readonly names = new Set<string>();
  private readonly stamp = dosDateTime(new Date());

  get count(): number {
    return this.records.length;
  }

  /** A unique entry name: "a.pdf", then "a (2).pdf". */
  private uniqueName(name: string): string {
    let candidate = name;
    for (let i = 2; this.names.has(candidate); i++) candidate = name.replace(/(\.[^.]*)?$/, (ext) => ` (${i})${ext}`);
    this.names.add(candidate);
    return candidate;
  }

  entry(fileName: string, data: Buffer): Buffer {
    if (this.records.length >= ZIP_MAX_ENTRIES) throw new Error('too many zip entries');
    const name = Buffer.from(this.uniqueName(fileName), 'utf8');
    const crc = zlib.crc32(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0800, 6); // names are UTF-8
    header.writeUInt16LE(0, 8); // stored
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(0, 28);
    const out = Buffer.concat([header, name, data]);
    if (this.offset + out.length > ZIP_MAX_BYTES) throw new Error('zip larger than 4 GB');
    this.records.push({ name, crc, size: data.length, offset: this.offset });
    this.offset += out.length;
    return out;
  }

  finish(): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    for (const r of this.records) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(0x0800, 8);
      h.writeUInt16LE(0, 10);
      h.writeUInt16LE(this.stamp.time, 12);
      h.writeUInt16LE(this.stamp.date, 14);
      h.writeUInt32LE(r.crc, 16);
      h.writeUInt32LE(r.size, 20);
      h.writeUInt32LE(r.size, 24);
      h.writeUInt16LE(r.name.length, 28);
      h.writeUInt32LE(r.offset, 42);
      parts.push(h, r.name);
      size += h.length + r.name.length;
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.records.length, 8);
    end.writeUInt16LE(this.records.length, 10);
    end.writeUInt32LE(size, 12);
    end.writeUInt32LE(this.offset, 16);
    parts.push(end);
    return Buffer.concat(parts);
  }
}
