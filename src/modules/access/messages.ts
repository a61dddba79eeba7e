import type { AnyMessageHandler } from "../../app/types.js";
import { consentMessages } from "./consents.js";
import { retrieveMessages } from "./retrieve.js";
import { userMessages } from "./users.js";

export const accessMessages: readonly AnyMessageHandler[] = [
  ...userMessages,
  ...consentMessages,
  ...retrieveMessages,
];
