/**
 * Process-wide engine state: registered backends, fused-kernel overrides, the default device,
 * memory accounting, tidy scopes and the autograd hook. It lives on `globalThis` under a
 * `Symbol.for` key so that two loaded copies of `@tessera/core` share one registry.
 */
import type { Backend } from './backend.js';
import type { Tensor } from './tensor.js';

/** A fused kernel that replaces an op's default composition on one backend. */
export type FusedKernel = (inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>) => Tensor | Tensor[];

/** What autograd plugs into core. Core calls it for every op that touches a tensor requiring grad. */
export interface GradRecorder {
  /** Whether `op` has its own gradient rule (else its composition is recorded op by op). */
  hasRule(op: string): boolean;
  /** Records `outputs = op(inputs; attrs)` on the tape. */
  record(op: string, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, outputs: readonly Tensor[]): void;
  /** Runs reverse-mode differentiation from `root` (used by `Tensor.backward`). */
  backward(root: Tensor, gradient: Tensor | undefined, options: { retainGraph?: boolean; createGraph?: boolean }): void;
}

/** Live tensor handles and bytes of one device, updated in place by every tensor and storage. */
export interface DeviceCounter {
  tensors: number;
  bytes: number;
}

export interface EngineState {
  backends: Map<string, Backend>;
  backendOrder: string[];
  kernels: Map<string, Map<string, FusedKernel>>;
  defaultDevice: string | null;
  scopes: Set<Tensor>[];
  /** Per device: live tensor handles and bytes (each storage holds its device's counter). */
  counters: Map<string, DeviceCounter>;
  nextTensorId: number;
  recorder: GradRecorder | null;
  gradEnabled: boolean;
  /** >0 while running the forward of an op whose gradient is recorded as one node. */
  recordingSuppressed: number;
}

// v2: per-device counters replaced v1's liveTensors/liveBytes maps (a v1 copy must not share this state).
const KEY = Symbol.for('tessera.engine.v2');
type GlobalWithEngine = typeof globalThis & { [KEY]?: EngineState };

function createState(): EngineState {
  return {
    backends: new Map(),
    backendOrder: [],
    kernels: new Map(),
    defaultDevice: null,
    scopes: [],
    counters: new Map(),
    nextTensorId: 0,
    recorder: null,
    gradEnabled: true,
    recordingSuppressed: 0,
  };
}

/** The shared engine state (created on first use). */
export const engine: EngineState = ((globalThis as GlobalWithEngine)[KEY] ??= createState());

/** The live-memory counter of `device` (created on first use). */
export function deviceCounter(device: string): DeviceCounter {
  let c = engine.counters.get(device);
  if (c === undefined) engine.counters.set(device, (c = { tensors: 0, bytes: 0 }));
  return c;
}

/**
 * Registers a backend under its device name. Registering a name twice keeps the first
 * registration (two copies of a backend package loaded side by side share one device).
 * @returns the registered backend for that name.
 */
export function registerBackend(backend: Backend, options: { priority?: number } = {}): Backend {
  const existing = engine.backends.get(backend.name);
  if (existing) return existing;
  engine.backends.set(backend.name, backend);
  const priority = options.priority ?? 0;
  priorities.set(backend.name, priority);
  engine.backendOrder.push(backend.name);
  engine.backendOrder.sort((a, b) => (priorities.get(b) ?? 0) - (priorities.get(a) ?? 0));
  return backend;
}

const priorities = new Map<string, number>();

/** Looks up a registered backend; throws a helpful error when the device is unknown. */
export function getBackend(device: string): Backend {
  const b = engine.backends.get(device);
  if (b) return b;
  const known = [...engine.backends.keys()];
  if (known.length === 0) {
    throw new Error(
      `no backend is registered for device '${device}': import a backend first, e.g. import '@tessera/backend-cpu'`,
    );
  }
  throw new Error(`unknown device '${device}' (registered devices: ${known.join(', ')})`);
}

/** Names of registered devices, highest priority first. */
export function listDevices(): string[] {
  return [...engine.backendOrder];
}

/** Sets the device new tensors are created on. */
export function setDefaultDevice(device: string): void {
  getBackend(device);
  engine.defaultDevice = device;
}

/** The device new tensors are created on: the one set, else the highest-priority registered backend. */
export function getDefaultDevice(): string {
  if (engine.defaultDevice !== null) return engine.defaultDevice;
  const first = engine.backendOrder[0];
  if (first === undefined) getBackend('cpu');
  return first!;
}

/**
 * Registers a fused kernel for `op` on `device`, replacing core's default composition there.
 * Autograd is unaffected: gradients come from the op's rule (or its composition when it has none).
 */
export function registerKernel(device: string, op: string, kernel: FusedKernel): void {
  let m = engine.kernels.get(device);
  if (!m) engine.kernels.set(device, (m = new Map()));
  m.set(op, kernel);
}

/** The fused kernel registered for `op` on `device`, if any. */
export function getKernel(device: string, op: string): FusedKernel | undefined {
  return engine.kernels.get(device)?.get(op);
}

/** Installs the autograd recorder (done by `@tessera/autograd` on import). */
export function setGradRecorder(recorder: GradRecorder | null): void {
  engine.recorder = recorder;
}
