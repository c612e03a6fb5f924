/**
 * The reference applications under test (`mbot-hil/reference`): the
 * companion (telemetry bridge between the robot and dashboards) and the
 * dashboard page with its server. They stand in for a team's own companion
 * and dashboard, which the probes measure the same way through
 * `HIL_COMPANION_URL` and `HIL_DASHBOARD_URL`.
 */
export * from './companion/index.ts';
export { DASHBOARD_PAGE_DIR, startDashboardServer } from './dashboard/dashboard-server.ts';
export type { DashboardPageQuery, DashboardServer, DashboardServerOptions } from './dashboard/dashboard-server.ts';
