/** Milliseconds a CodeDeploy hook keeps back from its Lambda timeout to report its status. */
export const REPORT_MARGIN_MS = 5000;
