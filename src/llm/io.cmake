# I/O part of llm: the Azure OpenAI ChatModel (streaming, retries, timeouts)
# and the credentials toward it (api-key, Entra token sources and cache).
parley_library(parley_llm
  SOURCES azure_client.cpp credential.cpp azure_cli.cpp subprocess.cpp
  DEPS parley_llm_proto parley_http_proto parley_http_client parley_config parley_observability)
parley_use_asio_pch(parley_llm)
