/**
 * @conclave/models: the model gateway. Providers come through AI SDK 7; the offline `sim` model,
 * pricing (the bundled LiteLLM table, MIT), routing, metering and budgets live here.
 */

export {
  type ConclaveConfig,
  ConfigError,
  defineConfig,
  expandTemplates,
  gatewayFromConfig,
  loadConfig,
  type ModelsConfig,
} from "./config/models-config.ts";
export { appliesTo, BudgetExceededError } from "./gateway/budget-gate.ts";
export { createGateway, type Gateway } from "./gateway/create-gateway.ts";
export { GatewayLanguageModel } from "./gateway/gateway-model.ts";
export type {
  CallContext,
  GatewayAlias,
  GatewayEvent,
  GatewayOptions,
} from "./gateway/gateway-types.ts";
export { endCallSpan, startCallSpan, usageRecordOf } from "./gateway/metering.ts";
export { flushAllGateways } from "./gateway/usage-writer.ts";
export {
  type CostBreakdown,
  costOf,
  type EffectiveRates,
  maxCostOf,
  ratesFor,
} from "./pricing/cost.ts";
export { NoPriceError, PriceTableError } from "./pricing/errors.ts";
export { canonicalProvider } from "./pricing/model-key.ts";
export {
  type ModelPrice,
  type PriceOrigin,
  type PriceSource,
  type PriceSpec,
  type PriceTier,
  parseModelPrice,
  type TokenRates,
} from "./pricing/model-price.ts";
export {
  formatUsd,
  PICO_DECIMALS,
  PICO_PER_USD,
  type PicoUsd,
  toUsd,
  usdToPico,
} from "./pricing/money.ts";
export {
  createPriceTable,
  defaultPriceTable,
  loadPriceTable,
  PriceTable,
  type PriceTableOptions,
  priceFor,
} from "./pricing/price-table.ts";
export { SIM_PRICE, SIM_PROVIDER } from "./pricing/sim-price.ts";
export { BUNDLED_PRICES_URL, BUNDLED_SNAPSHOT } from "./pricing/snapshot.ts";
export {
  normalizeUsage,
  promptTokensOf,
  type TokenUsage,
  type UsageLike,
} from "./pricing/usage.ts";
export {
  DEFAULT_KEY_ENV,
  type DeploymentConfig,
  deploymentConfigSchema,
  PROVIDER_KINDS,
  type ProviderKind,
} from "./registry/deployment-config.ts";
export {
  createRegistry,
  type ModelRegistry,
  type RegisteredDeployment,
  type RegistryOptions,
} from "./registry/registry.ts";
export { InvalidDeploymentError, MissingApiKeyError } from "./registry/registry-errors.ts";
export { readSecretsFile } from "./registry/secrets.ts";
export {
  type BreakerEvent,
  type BreakerState,
  breakerStep,
  DEFAULT_BREAKER,
} from "./router/circuit-breaker.ts";
export { classifyFailure, type Failure, readRetryAfter } from "./router/classify-failure.ts";
export {
  createRouter,
  type RoutedGenerate,
  type RoutedStream,
  type Router,
  type RouterOptions,
} from "./router/create-router.ts";
export {
  DeploymentRequestError,
  DeploymentTimeoutError,
  DeploymentUnavailableError,
  type FailedAttempt,
  InvalidLimitError,
  InvalidRouterConfigError,
  NoCapableDeploymentError,
  QueueTimeoutError,
  RouteExhaustedError,
  StreamInterruptedError,
  UnknownAliasError,
} from "./router/router-errors.ts";
export type {
  AliasConfig,
  BreakerOptions,
  CandidateState,
  CandidateView,
  Deployment,
  DeploymentCapabilities,
  DeploymentLimits,
  DeploymentStats,
  OverflowMode,
  RandomSource,
  RouteCallOptions,
  RouterClock,
  RouterStats,
  RoutingDecision,
  RoutingStrategy,
  StreamTap,
} from "./router/router-types.ts";
export {
  createSim,
  SIM_DEFAULT_MODEL,
  type SimOptions,
  type SimProvider,
} from "./sim/create-sim.ts";
export { sampleJsonSchema } from "./sim/json-schema-value.ts";
export {
  createVirtualClock,
  realClock,
  type SimClock,
  type VirtualClock,
} from "./sim/sim-clock.ts";
export { SimStreamCutError } from "./sim/sim-faults.ts";
export { SimLanguageModel, type SimReplySource } from "./sim/sim-language-model.ts";
export {
  defaultReply,
  SIM_TEXT_PREFIX,
  type SimContent,
  type SimFault,
  type SimReply,
  type SimRequest,
  type SimResponder,
} from "./sim/sim-reply.ts";
