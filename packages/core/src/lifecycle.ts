import { BnBackendError } from './errors.js';

/**
 * The dispose contract shared by every backend: after `dispose`, every operation throws
 * `BnBackendError` naming the backend; `init` after `dispose` makes it usable again. A backend
 * holds one of these, calls `initialised()` / `disposed()` from its own `init` / `dispose`, and
 * `assertUsable(operation)` at the start of each operation.
 */
export class BackendLifecycle {
  private state: 'new' | 'ready' | 'disposed' = 'new';

  /** @param backendName the registry name the errors carry. */
  constructor(private readonly backendName: string) {}

  /** Records a successful `init`. */
  initialised(): void {
    this.state = 'ready';
  }

  /** Records a `dispose`. */
  disposed(): void {
    this.state = 'disposed';
  }

  /** Whether `dispose` was the last lifecycle call. */
  get isDisposed(): boolean {
    return this.state === 'disposed';
  }

  /**
   * Throws when the backend has been disposed and not initialised again.
   * @throws BnBackendError naming the backend and the operation.
   */
  assertUsable(operation: string): void {
    if (this.state === 'disposed') {
      throw new BnBackendError(
        this.backendName,
        'a backend that is initialised (call init() again after dispose())',
        'a disposed backend',
        `${this.backendName}: ${operation} called after dispose(); call init() to use the backend again`,
      );
    }
  }
}
