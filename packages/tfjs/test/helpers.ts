import { describeShape, type Layout } from '@bnkit/core';
import { randomFloat32, seededRandom, SHAPES } from '@bnkit/spec/test';

/** Random BN inputs for one layout: x uniform in offset ± scale, gamma, beta and running statistics. */
export function randomProblem(layout: Layout, seed: number, offset = 0, scale = 1) {
  const random = seededRandom(seed);
  const shape = [...SHAPES[layout]];
  const info = describeShape(shape, layout);
  return {
    shape,
    layout,
    info,
    x: randomFloat32(random, info.size, offset - scale, offset + scale),
    dy: randomFloat32(random, info.size),
    gamma: randomFloat32(random, info.c, 0.5, 1.5),
    beta: randomFloat32(random, info.c, -0.5, 0.5),
    runningMean: randomFloat32(random, info.c, offset - scale, offset + scale),
    runningVar: Float32Array.from(randomFloat32(random, info.c, 0.5, 1.5), (v) => v * scale * scale),
  };
}
