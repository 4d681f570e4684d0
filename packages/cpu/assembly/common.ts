// Helpers shared by the kernels: float32 <-> float64 lane conversions and folds, scalar loads
// and stores by element index, and the row group size.

// Rows of channels-last data added in float32 lanes before a fold into float64.
export const ROW_GROUP: i32 = 16;

// The low two float32 lanes of v as float64 lanes.
@inline export function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// The high two float32 lanes of v as float64 lanes.
@inline export function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

@inline export function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

@inline export function f32at(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

@inline export function f64at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline export function setF64(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

@inline export function setF32(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

// Adds the 8 float32 lanes of v0 and v1 to the 8 float64 values at p.
@inline export function foldInto8(p: usize, v0: v128, v1: v128): void {
  v128.store(p, f64x2.add(v128.load(p), lo(v0)));
  v128.store(p, f64x2.add(v128.load(p, 16), hi(v0)), 16);
  v128.store(p, f64x2.add(v128.load(p, 32), lo(v1)), 32);
  v128.store(p, f64x2.add(v128.load(p, 48), hi(v1)), 48);
}
