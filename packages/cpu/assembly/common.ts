// Helpers shared by the kernels: float32 <-> float64 lane conversions, scalar loads and stores
// by element index, and the block sizes.

// Rows of channels-last data added in float32 lanes before a fold into float64 (moments.ts's
// groupSum has a tree for exactly this many).
export const ROW_GROUP: i32 = 16;

// Channels-last sums walk the data tile by tile (about 16 KiB of whole rows, L1-resident, at
// least ROW_GROUP rows) and, inside a tile, four channels at a time down the rows, keeping the
// float64 sums in registers instead of loading and storing them for every group of rows.
export const TILE_ELEMENTS: i32 = 4096;

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

// The rows of a tile: whole rows of c channels filling about TILE_ELEMENTS, at least ROW_GROUP.
@inline export function tileRows(c: i32): i32 {
  return max(ROW_GROUP, TILE_ELEMENTS / c);
}
