import { describeValue } from '@bnkit/core';
import { OnnxFormatError } from './errors.js';
import { onnx } from './proto.js';
import { intToNumber, tensorFromProto, tensorToProto, unreadableReason } from './tensor-codec.js';
import type { OnnxAttribute } from './types.js';

const AttributeType = onnx.AttributeProto.AttributeType;
type AttributeProto = InstanceType<typeof onnx.AttributeProto>;

/**
 * The AttributeProto of one node attribute.
 * @throws OnnxFormatError when the attribute is not one of the `OnnxAttribute` forms or an int is not an integer.
 */
export function attributeToProto(name: string, attribute: OnnxAttribute, argument: string): AttributeProto {
  if ('int' in attribute) {
    if (!Number.isSafeInteger(attribute.int)) throw new OnnxFormatError(argument, 'a safe integer', describeValue(attribute.int));
    return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: attribute.int });
  }
  if ('float' in attribute) return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: attribute.float });
  if ('ints' in attribute) {
    if (!attribute.ints.every((v) => Number.isSafeInteger(v))) {
      throw new OnnxFormatError(argument, 'safe integers', describeValue([...attribute.ints]));
    }
    return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: [...attribute.ints] });
  }
  if ('floats' in attribute) return onnx.AttributeProto.create({ name, type: AttributeType.FLOATS, floats: [...attribute.floats] });
  if ('string' in attribute) {
    return onnx.AttributeProto.create({ name, type: AttributeType.STRING, s: new TextEncoder().encode(attribute.string) });
  }
  if ('tensor' in attribute) {
    return onnx.AttributeProto.create({ name, type: AttributeType.TENSOR, t: tensorToProto(attribute.tensor, argument) });
  }
  throw new OnnxFormatError(argument, 'one of {int}, {float}, {ints}, {floats}, {string}, {tensor}', describeValue(attribute));
}

/**
 * Reads an AttributeProto as an `OnnxAttribute`, or undefined for kinds bnkit does not represent
 * (graphs, string lists, sparse tensors, tensors of other element types, ...).
 */
export function attributeFromProto(proto: AttributeProto): OnnxAttribute | undefined {
  switch (proto.type) {
    case AttributeType.FLOAT:
      return { float: proto.f };
    case AttributeType.INT:
      return { int: intToNumber(proto.i) };
    case AttributeType.FLOATS:
      return { floats: [...proto.floats] };
    case AttributeType.INTS:
      return { ints: proto.ints.map(intToNumber) };
    case AttributeType.STRING:
      return { string: new TextDecoder().decode(proto.s) };
    case AttributeType.TENSOR: {
      if (!(proto.t instanceof onnx.TensorProto)) return undefined;
      const t = proto.t;
      return unreadableReason(t) === undefined ? { tensor: tensorFromProto(t, `attribute ${proto.name}`) } : undefined;
    }
    default:
      return undefined;
  }
}
