/**
 * Interaction over HTTP (the seed's `oauth2.web`): the framework-free request and response, the site
 * adapter interface, and the `node:http` adapter.
 *
 * @module
 */
export { Request, type BodyError, type HeaderMap, type RequestInit } from './request.ts'
export { Response, NO_STORE_HEADERS, PAGE_HEADERS, protectPage } from './response.ts'
export type { AuthenticationResult, AuthorizationContext, PasswordSiteAdapter, SiteAdapter } from './site-adapter.ts'
export { nodeHandler, type NodeEnviron, type NodeHandlerOptions } from '../adapters/node-http.ts'
export { escapeHtml } from '../internal/html.ts'
