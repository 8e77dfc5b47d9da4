/**
 * Config files: the policy (`qms.config.yml`) and repo configs
 * (`.qms/branch-protection.yml`), read with located problems.
 */
export {
  loadPolicy,
  validatePolicyFile,
  validatePolicyText,
  resolvePolicySource,
  readConfigBytes,
  POLICY_FILE_NAME,
} from './load-policy.js';
export type { LoadedPolicy, PolicySource, PolicyValidation } from './load-policy.js';
export { parseRepoConfig, REPO_CONFIG_PATH } from './repo-config.js';
export type { RepoConfigResult, ParseRepoConfigOptions } from './repo-config.js';
export { MAX_CONFIG_BYTES, MAX_ALIAS_COUNT } from './yaml-source.js';
