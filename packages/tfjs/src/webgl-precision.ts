import * as tf from '@tensorflow/tfjs';

/** What tfjs's WebGL backend computes in here, from the flags it decides by. */
export interface TfjsWebglPrecision {
  /** tfjs's `WEBGL_VERSION`: 2, 1, or 0 when no WebGL context could be created. */
  readonly webglVersion: number;
  /** tfjs's `WEBGL_RENDER_FLOAT32_CAPABLE`: whether float32 textures can be rendered to. */
  readonly renderFloat32Capable: boolean;
  /** tfjs's `WEBGL_FORCE_F16_TEXTURES`. */
  readonly forceFloat16Textures: boolean;
  /**
   * The textures tensors live in: `float32` when float32 textures can be rendered to and
   * float16 is not forced, else `float16` (10-bit mantissa: about 1e-3 relative per value).
   */
  readonly textures: 'float32' | 'float16';
}

/**
 * Reads tfjs's WebGL flags. The flags are evaluated by tfjs on first read (creating a WebGL
 * context to probe), so call it where WebGL may exist; in Node it reports version 0.
 */
export function tfjsWebglPrecision(): TfjsWebglPrecision {
  const env = tf.env();
  const webglVersion = env.getNumber('WEBGL_VERSION');
  const renderFloat32Capable = webglVersion > 0 && env.getBool('WEBGL_RENDER_FLOAT32_CAPABLE');
  const forceFloat16Textures = webglVersion > 0 && env.getBool('WEBGL_FORCE_F16_TEXTURES');
  return { webglVersion, renderFloat32Capable, forceFloat16Textures, textures: renderFloat32Capable && !forceFloat16Textures ? 'float32' : 'float16' };
}
