import type { ConventionName } from './conventions.js';
import type { Layout } from './layout.js';
import type {
  BackwardInput,
  BackwardOutput,
  DType,
  InferenceInput,
  InferenceOutput,
  TrainForwardInput,
  TrainForwardOutput,
} from './tensors.js';

/** The version of the backend contract below; adapters state the one they implement. */
export const BACKEND_SPECIFICATION_VERSION = 'bnkit-backend-v1';

/** The three BN operations a backend may implement. */
export type Operation = 'inference' | 'trainForward' | 'backward';

/** Every operation, in the order of a training step. */
export const OPERATIONS: readonly Operation[] = ['inference', 'trainForward', 'backward'];

/**
 * Option features beyond the plain case. A backend lists the ones it supports; a case that needs
 * one it does not list is reported as unsupported.
 * - `cumulative-average`: `momentum: null` (PyTorch's cumulative moving average).
 * - `affine-off`: `affine: false`.
 * - `untracked-running-stats`: `trackRunningStats: false`.
 */
export type Feature = 'cumulative-average' | 'affine-off' | 'untracked-running-stats';

/** Every feature. */
export const FEATURES: readonly Feature[] = ['cumulative-average', 'affine-off', 'untracked-running-stats'];

/** What a backend declares it can do. Anything not declared is unsupported, never assumed. */
export interface BackendCapabilities {
  readonly operations: readonly Operation[];
  readonly layouts: readonly Layout[];
  readonly conventions: readonly ConventionName[];
  /** Element types accepted for x, dy and parameters. */
  readonly dtypes: readonly DType[];
  readonly features: readonly Feature[];
}

/**
 * The contract every bnkit backend fulfils. Operations are async because some engines are.
 * Inputs are validated with core's `prepare*` functions, so every backend throws the same typed
 * errors for the same bad input. Outputs are new arrays unless the caller passed `out` buffers.
 */
export interface Backend {
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** The registry name, e.g. `reference`, `cpu`, `tfjs-wasm`. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** Loads the engine; the registry calls it once before the first operation, and again after a `dispose`. */
  init(): Promise<void>;
  inference(input: InferenceInput): Promise<InferenceOutput>;
  trainForward(input: TrainForwardInput): Promise<TrainForwardOutput>;
  backward(input: BackwardInput): Promise<BackwardOutput>;
  /**
   * Releases what the backend holds (sessions, workers, tensors). Afterwards every operation
   * throws `BnBackendError` naming the backend (see `BackendLifecycle`); `init` makes it usable again.
   */
  dispose(): Promise<void>;
}
