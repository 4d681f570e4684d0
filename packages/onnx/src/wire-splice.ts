import protobuf from 'protobufjs/minimal.js';
import { OnnxFormatError } from './errors.js';

/** A length-delimited field whose content a splice replaces, found by a visitor. */
export type FieldVisitor = (field: number, content: Uint8Array) => Uint8Array | undefined;

const LENGTH_DELIMITED = 2;

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function varint(value: number): Uint8Array {
  return protobuf.Writer.create().uint32(value).finish();
}

/**
 * Rewrites the fields of one serialized message at the wire level. `visit` sees every
 * length-delimited field (its number and content bytes) and returns new content for it, or
 * undefined to keep it. Every other byte is copied unchanged: only a replaced field's length
 * prefix is re-encoded, so the bytes of fields left alone, their order and any unknown fields are
 * preserved. Returns `message` itself when nothing was replaced.
 * @throws OnnxFormatError when the bytes are not a well-formed protobuf message.
 */
export function spliceMessage(message: Uint8Array, visit: FieldVisitor, argument = 'message'): Uint8Array {
  const reader = protobuf.Reader.create(message);
  const chunks: Uint8Array[] = [];
  let copiedUpTo = 0;
  let changed = false;
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const tagEnd = reader.pos;
      const wireType = tag & 7;
      if (wireType !== LENGTH_DELIMITED) {
        reader.skipType(wireType);
        continue;
      }
      const length = reader.uint32();
      const contentStart = reader.pos;
      reader.skip(length);
      const replacement = visit(tag >>> 3, message.subarray(contentStart, contentStart + length));
      if (replacement === undefined) continue;
      changed = true;
      chunks.push(message.subarray(copiedUpTo, tagEnd), varint(replacement.length), replacement);
      copiedUpTo = reader.pos;
    }
  } catch (error) {
    if (error instanceof OnnxFormatError) throw error;
    throw new OnnxFormatError(argument, 'a well-formed protobuf message', `malformed or truncated bytes (${(error as Error).message})`);
  }
  if (!changed) return message;
  chunks.push(message.subarray(copiedUpTo));
  return concat(chunks);
}

/**
 * The first string field `field` of a serialized message, read without decoding the rest (a
 * tensor's name without copying its data); '' when absent.
 * @throws OnnxFormatError when the bytes are not a well-formed protobuf message.
 */
export function readStringField(message: Uint8Array, field: number): string {
  const reader = protobuf.Reader.create(message);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === field && (tag & 7) === LENGTH_DELIMITED) return reader.string();
      reader.skipType(tag & 7);
    }
  } catch (error) {
    throw new OnnxFormatError('message', 'a well-formed protobuf message', `malformed or truncated bytes (${(error as Error).message})`);
  }
  return '';
}
