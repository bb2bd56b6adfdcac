# llm I/O: the Azure OpenAI client and credentials with a scripted transport
# (unit), and against mock-azure-openai / mock-entra-id (integration).
if(TARGET parley_llm)
  parley_test(llm_io_test
    SOURCES azure_client_test.cpp credential_test.cpp
    DEPS parley_llm parley_fake_http_client Boost::json
    LABELS unit)
  parley_use_asio_pch(llm_io_test)

  # The Azure CLI credential with a stand-in `az` script (real subprocesses).
  parley_test(llm_azure_cli_test
    SOURCES azure_cli_test.cpp
    DEPS parley_llm Boost::json
    LABELS integration)
  parley_use_asio_pch(llm_azure_cli_test)

  if(TARGET mock-azure-openai AND TARGET mock-entra-id)
    parley_test(llm_azure_integration_test
      SOURCES azure_integration_test.cpp
      DEPS parley_llm parley_test_support Boost::json
      LABELS integration
      TIMEOUT 180)
    parley_use_asio_pch(llm_azure_integration_test)
    add_dependencies(llm_azure_integration_test mock-azure-openai mock-entra-id)
  endif()
endif()
