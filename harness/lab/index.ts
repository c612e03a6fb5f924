/**
 * A lab of benches: the inventory (`benches.yml`), the bench `HIL_BENCH`
 * selects, and capability checks that skip a spec with a reason on a bench
 * that lacks what it needs. See harness/lab/README.md.
 */
export { BENCH_CAPABILITIES, BENCH_NAME, isBenchCapability, inventorySchema, benchSchema } from './inventory-schema.ts';
export type { BenchCapability, BenchEntry, InventoryData, KnownBenchCapability } from './inventory-schema.ts';
export {
  BENCH_ENV, DEFAULT_INVENTORY, INVENTORY_ENV, InventoryError, InventoryLoadError,
  benchPort, currentBench, loadInventory, parseInventory, resolveInventoryPath, withBenchPort,
} from './inventory.ts';
export type { Bench, BenchInventory } from './inventory.ts';
export { currentCapabilities, requireCapability, skipUnlessCapable } from './capabilities.ts';
export type { SkipContext } from './capabilities.ts';
