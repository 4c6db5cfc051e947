/**
 * {@code jsd serve}: AUTOMATIC1111's WebUI 1.10 HTTP API and a web page over the generation pipeline.
 * <pre>
 *   HTTP (JDK HttpServer, a virtual thread per request)
 *     │  JsdServer: one table of Routes (method, path, schemas, handler) dispatches and is /openapi.json (OpenApi,
 *     │  ApiSchemas); basic auth on /sdapi/, --max-body, page files (resources web/), JSON errors {"error", "detail"}
 *     ▼
 *   SdApi: /sdapi/v1/* routes ──► GenerationRequest.parse (WebUI field names and API defaults; 4xx before queueing)
 *     │                            WebUiSettings (options + override_settings) ─► ModelCatalog (WebUI folders)
 *     ▼
 *   JobQueue: bounded FIFO (--queue-size, 503 past it), one worker thread
 *     ▼
 *   GenerationJob: ModelSlot (one model loaded, switched on request) ─► Generator (sd.pipeline), batch by batch
 *     ▲
 *   JobProgress: the pipeline's Progress; read by /progress (steps, ETA, cheap latent preview), stops the job on /interrupt
 * </pre>
 * The server translates HTTP to {@link jdiffusion.sd.pipeline.GenerationParams} and back; images are exactly the
 * command line's ({@code jsd txt2img}) for the same parameters.
 */
package jdiffusion.tools.server;
