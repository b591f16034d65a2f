import { MemoryPlatformStore } from "@conclave/core";
import { platformAssistantCheckContract } from "../../../test/contracts/platform-assistant-check.contract.ts";
import { platformBatchContract } from "../../../test/contracts/platform-batch.contract.ts";
import { platformQueueContract } from "../../../test/contracts/platform-queue.contract.ts";
import { platformResourcesContract } from "../../../test/contracts/platform-resources.contract.ts";

const make = async () => {
  const store = new MemoryPlatformStore();
  return { store, cleanup: () => store.close() };
};

platformResourcesContract("MemoryPlatformStore", make);
platformQueueContract("MemoryPlatformStore", make);
platformBatchContract("MemoryPlatformStore", make);
platformAssistantCheckContract("MemoryPlatformStore", make);
