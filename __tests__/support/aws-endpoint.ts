import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsApi } from './aws-fixtures';

/**
 * A local endpoint (127.0.0.1) that answers the AWS SDK in each service's own wire protocol, so the CLI's
 * requests and AWS's answers go through the SDK's real serializers, error parsing, retries, paginators
 * and timestamp handling. Point the SDK at it with AWS_ENDPOINT_URL. Answers are built from
 * fixtures/aws/api (AWS's documented examples and API models); a test changes only what its
 * timeline needs (ids, statuses).
 */

/** One request as the endpoint understood it. */
export interface WireCall {
  /** The fixtures folder of the service: codedeploy, ecs, elastic-load-balancing-v2, ... */
  readonly service: string;
  readonly operation: string;
  /** The JSON body, or the query parameters of an awsQuery request. */
  readonly input: Record<string, unknown>;
}

export interface WireAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** X-Amz-Target prefixes of the JSON-protocol services the CLI calls (their API models' targets). */
const TARGET_PREFIXES: Readonly<Record<string, string>> = {
  CodePipeline_20150709: 'codepipeline',
  CodeDeploy_20141006: 'codedeploy',
  AmazonEC2ContainerServiceV20141113: 'ecs',
  AmazonEC2ContainerRegistry_V20150921: 'ecr',
  Logs_20140328: 'cloudwatch-logs',
  AmazonSSM: 'ssm',
  GraniteServiceVersion20100801: 'cloudwatch',
};

export interface AwsEndpoint {
  readonly url: string;
  readonly calls: WireCall[];
  callsTo(operation: string): WireCall[];
  close(): Promise<void>;
}

export async function awsEndpoint(handle: (call: WireCall) => WireAnswer): Promise<AwsEndpoint> {
  const calls: WireCall[] = [];
  const server = createServer(async (request, response) => {
    const call = parse(request, await body(request));
    calls.push(call);
    let answer: WireAnswer;
    try {
      answer = handle(call);
    } catch (error) {
      answer = { status: 500, headers: { 'content-type': 'text/plain' }, body: `test endpoint: ${String(error)}` };
    }
    response.writeHead(answer.status, { ...answer.headers, 'x-amzn-requestid': `test-${calls.length}` });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (operation) => calls.filter((call) => call.operation === operation),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
  });
}

function parse(request: IncomingMessage, text: string): WireCall {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix, operation] = target.split('.');
    return { service: TARGET_PREFIXES[prefix] ?? prefix, operation, input: text ? JSON.parse(text) : {} };
  }
  // awsQuery (Elastic Load Balancing v2, STS): a form with Action and the API's Version.
  const params = Object.fromEntries(new URLSearchParams(text));
  const service = params.Version === '2011-06-15' ? 'sts' : 'elastic-load-balancing-v2';
  return { service, operation: String(params.Action), input: params };
}

/**
 * The documented answer of api/<service>/<operation>.json (or one of its variants), in its protocol:
 * JSON for the JSON protocols, XML for awsQuery. `edit` changes the parsed JSON, or the XML text.
 */
export function answer<T = Record<string, unknown>>(
  service: string,
  operation: string,
  options: { variant?: string; edit?: (response: T) => T } = {},
): WireAnswer {
  const fixture = awsApi<T>(service, operation) as ReturnType<typeof awsApi<T>> & {
    headers?: Record<string, string>;
    variants?: { name: string; status?: number; response: T }[];
  };
  const chosen = options.variant ? fixture.variants?.find((v) => v.name === options.variant) : undefined;
  if (options.variant && !chosen) throw new Error(`${service}/${operation} has no variant ${options.variant}`);
  const response = structuredClone(chosen?.response ?? fixture.response);
  const edited = options.edit ? options.edit(response) : response;
  return {
    status: chosen?.status ?? fixture.status,
    headers: fixture.headers ?? {},
    body: typeof edited === 'string' ? edited : JSON.stringify(edited),
  };
}

/** The documented error of api/<service>/errors/<name>.json, in its protocol. */
export function errorAnswer(service: string, name: string): WireAnswer {
  return answer(service, `errors/${name}`);
}
