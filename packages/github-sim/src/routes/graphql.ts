/** POST /graphql, delegated to the GraphQL executor (src/graphql). */
import { executeGraphql } from '../graphql/index.js';
import type { GraphqlContext } from '../graphql/context.js';
import { ApiError, type RouteDef } from '../http.js';

export const graphqlRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/graphql',
    docs: '/graphql',
    handler: async (ctx) => {
      if (!ctx.viewer) {
        throw new ApiError(
          401,
          'This endpoint requires you to be authenticated.',
          {},
          {},
          'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
        );
      }
      const gctx: GraphqlContext = {
        state: ctx.sim.state,
        viewer: ctx.viewer,
        now: () => ctx.sim.now(),
        markDirty: () => ctx.sim.markDirty(),
        allocateId: () => ctx.sim.allocateId(),
        timestamp: () => ctx.sim.timestamp(),
        apiUrl: ctx.urls.api,
        rateLimit: (({ limit, used, remaining, reset }) => ({ limit, used, remaining, reset }))(ctx.rateLimits().graphql),
      };
      const result = await executeGraphql(ctx.body, gctx);
      return { status: result.status, body: result.body, graphql: { cost: result.cost, mutation: result.mutation } };
    },
  },
];
