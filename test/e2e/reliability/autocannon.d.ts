// The part of autocannon's JS API the reliability and bench code uses (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Histogram {
      readonly average: number;
      readonly mean: number;
      readonly p50: number;
      readonly p90: number;
      readonly p99: number;
      readonly max: number;
      readonly total: number;
    }
    interface Result {
      readonly requests: Histogram & { readonly sent: number };
      readonly latency: Histogram;
      readonly throughput: Histogram;
      readonly errors: number;
      readonly timeouts: number;
      readonly non2xx: number;
      readonly resets: number;
      readonly duration: number;
      readonly statusCodeStats: Record<string, { count: number }>;
    }
    interface Request {
      readonly path?: string;
      readonly method?: string;
      setupRequest?(request: Record<string, unknown>, context: Record<string, unknown>): Record<string, unknown>;
      onResponse?(status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>): void;
    }
    interface Options {
      readonly url: string;
      readonly connections?: number;
      readonly duration?: number;
      readonly amount?: number;
      readonly overallRate?: number;
      readonly timeout?: number;
      readonly pipelining?: number;
      readonly requests?: readonly Request[];
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
