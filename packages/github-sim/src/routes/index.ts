/** Every GitHub route the simulator serves (the control API lives in ../control.ts). */
import type { RouteDef } from '../http.js';
import { contentRoutes } from './contents.js';
import { graphqlRoutes } from './graphql.js';
import { orgRoutes } from './orgs.js';
import { propertyRoutes } from './properties.js';
import { protectionRoutes } from './protection.js';
import { pullRoutes } from './pulls.js';
import { repoRoutes } from './repos.js';
import { rulesetRoutes } from './rulesets.js';
import { statusRoutes } from './statuses.js';
import { teamRoutes } from './teams.js';

export const githubRoutes: readonly RouteDef[] = [
  ...orgRoutes,
  ...teamRoutes,
  ...repoRoutes,
  ...protectionRoutes,
  ...rulesetRoutes,
  ...contentRoutes,
  ...propertyRoutes,
  ...pullRoutes,
  ...statusRoutes,
  ...graphqlRoutes,
];
