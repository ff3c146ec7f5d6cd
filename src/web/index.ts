/**
 * Interaction over HTTP (the seed's `oauth2.web`): the framework-free request and response, the site
 * adapter interface, and the `node:http` adapter.
 *
 * `nodeHandler` lives in `oauth2-stack/node` (an adapter: adapters sit above `web/`); it is re-exported here
 * through the package's own entry, as the seed's module had it, so no folder of `src/` imports upwards.
 *
 * @module oauth2-stack/web
 */
export { Request, type BodyError, type HeaderMap, type RequestInit } from './request.ts'
export { Response, NO_STORE_HEADERS, PAGE_HEADERS, PUBLIC_JSON_HEADERS, protectPage } from './response.ts'
export type { AuthenticationResult, AuthorizationContext, PasswordSiteAdapter, SiteAdapter } from './site-adapter.ts'
export type { ClientDisplay } from '../clients/display.ts'
export type { CsrfGuard, CsrfIssue } from './csrf.ts'
export { nodeHandler, type NodeEnviron, type NodeHandlerOptions } from 'oauth2-stack/node'
export { escapeHtml } from '../internal/html.ts'
export {
  parseUiLocales,
  type DevicePageContext,
  type DevicePageModel,
  type ErrorPageContext,
  type MessageKind,
  type MessagePageContext,
  type PageContext,
  type PageHooks,
  type PageMessage,
  type PageRenderer,
  type PageResult,
} from './page-hooks.ts'
