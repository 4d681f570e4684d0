/**
 * IEEE 754 half precision (ONNX `FLOAT16`, element type 10) to and from numbers. Node 20 has no
 * Float16Array, and statistics stored as float16 must be read and written bit-exactly.
 */

/** The number a float16 bit pattern stands for (subnormals, infinities and NaN included). */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The float16 bit pattern nearest to a number (ties to even; overflow to infinity; NaN stays NaN). */
export function float16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  if (magnitude < 2 ** -14) {
    // Subnormal: a multiple of 2^-24, rounded half to even.
    return sign | roundHalfEven(magnitude / 2 ** -24);
  }
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent -= 1;
  else if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  const mantissa = roundHalfEven((magnitude / 2 ** exponent - 1) * 1024);
  // A mantissa rounded up to 1024 carries into the exponent, which the bit layout does by itself.
  return sign | (((exponent + 15) << 10) + mantissa);
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
