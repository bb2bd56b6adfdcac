#pragma once
// Route handlers: parse, authorise (already done by the policy), call one
// service, render. Each returns the response; none touches SQL or crypto.

#include "app/routes.hpp"

namespace parley::app::handlers {

using boost::asio::awaitable;
using http::Request;
using http::Response;

// auth_handlers.cpp
awaitable<Response> sign_in(Services&, Request&, RequestContext&);
awaitable<Response> callback(Services&, Request&, RequestContext&);
awaitable<Response> sign_out(Services&, Request&, RequestContext&);
awaitable<Response> session(Services&, Request&, RequestContext&);
awaitable<Response> csrf(Services&, Request&, RequestContext&);
awaitable<Response> me(Services&, Request&, RequestContext&);
awaitable<Response> sign_in_error(Services&, Request&, RequestContext&);
awaitable<Response> frontchannel_logout(Services&, Request&, RequestContext&);

// page_handlers.cpp
awaitable<Response> home(Services&, Request&, RequestContext&);
awaitable<Response> signed_out(Services&, Request&, RequestContext&);
awaitable<Response> stylesheet(Services&, Request&, RequestContext&);
awaitable<Response> asset(Services&, Request&, RequestContext&);

// ops_handlers.cpp
awaitable<Response> healthz(Services&, Request&, RequestContext&);
awaitable<Response> readyz(Services&, Request&, RequestContext&);
awaitable<Response> metrics(Services&, Request&, RequestContext&);
awaitable<Response> openapi(Services&, Request&, RequestContext&);

// chat_handlers.cpp
awaitable<Response> list_conversations(Services&, Request&, RequestContext&);
awaitable<Response> create_conversation(Services&, Request&, RequestContext&);
awaitable<Response> get_conversation(Services&, Request&, RequestContext&);
awaitable<Response> update_conversation(Services&, Request&, RequestContext&);
awaitable<Response> list_models(Services&, Request&, RequestContext&);
awaitable<Response> delete_conversation(Services&, Request&, RequestContext&);
awaitable<Response> post_message(Services&, Request&, RequestContext&);
awaitable<Response> regenerate(Services&, Request&, RequestContext&);
awaitable<Response> stop_answer(Services&, Request&, RequestContext&);

// admin_handlers.cpp
awaitable<Response> admin_audit(Services&, Request&, RequestContext&);
awaitable<Response> admin_audit_verify(Services&, Request&, RequestContext&);

// data_handlers.cpp
awaitable<Response> export_my_data(Services&, Request&, RequestContext&);
awaitable<Response> delete_user_data(Services&, Request&, RequestContext&);

// admin_users_handlers.cpp
awaitable<Response> admin_list_users(Services&, Request&, RequestContext&);
awaitable<Response> admin_get_user(Services&, Request&, RequestContext&);
awaitable<Response> admin_disable_user(Services&, Request&, RequestContext&);
awaitable<Response> admin_enable_user(Services&, Request&, RequestContext&);
awaitable<Response> admin_end_user_sessions(Services&, Request&, RequestContext&);
awaitable<Response> admin_set_user_quota(Services&, Request&, RequestContext&);
awaitable<Response> admin_usage(Services&, Request&, RequestContext&);

// admin_apps_handlers.cpp (applications calling /v1)
awaitable<Response> admin_list_apps(Services&, Request&, RequestContext&);
// admin_users_handlers.cpp, with the users' quota
awaitable<Response> admin_set_app_quota(Services&, Request&, RequestContext&);
awaitable<Response> admin_disable_app(Services&, Request&, RequestContext&);
awaitable<Response> admin_enable_app(Services&, Request&, RequestContext&);

// v1_handlers.cpp (the service API; Policy::bearer)
awaitable<Response> v1_chat_completions(Services&, Request&, RequestContext&);
awaitable<Response> v1_models(Services&, Request&, RequestContext&);

}  // namespace parley::app::handlers
