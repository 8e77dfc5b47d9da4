/**
 * The simulator for qms's tests, with GitHub's contract checked on every
 * exchange: the helpers live with the simulator (`@qms/github-sim/contract`,
 * packages/github-sim/src/contract/test-sandbox.ts); qms's tests import them
 * from here.
 *
 *   const sb = useContractSandbox();            // beforeAll start, afterAll assert + close
 *   it('…', async () => { await sb.api('/repos/acme/x') … });
 *
 *   const sandbox = await startCheckedSandbox(); // close() asserts the contract first
 */
export {
  apiFor,
  coveredRoutes,
  sandboxToken,
  startCheckedSandbox,
  startTestSandbox,
  useContractSandbox,
  type ApiOptions,
  type ApiResponse,
  type TestSandbox,
} from '@qms/github-sim/contract';
