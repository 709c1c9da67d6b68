# Copies the web app next to irisd (OUT = <build>/apps/irisd/web, irisd's default
# http.app_dir) and bundles MQTT.js's browser build (dist/mqtt.min.js) from npm, installed
# once into NODE_DIR. Nothing is fetched at run time. Without npm or the registry the app is
# still copied and works over long polling alone (a warning says so).
file(COPY ${SRC}/index.html ${SRC}/admin.html ${SRC}/app.css DESTINATION ${OUT})
file(COPY ${SRC}/js DESTINATION ${OUT})
set(bundle ${NODE_DIR}/node_modules/mqtt/dist/mqtt.min.js)
if(NOT EXISTS ${bundle})
  find_program(NPM npm)
  if(NPM)
    execute_process(COMMAND ${NPM} install --no-save --no-audit --no-fund --fetch-timeout=20000
                            --fetch-retries=1 --prefix ${NODE_DIR} mqtt@5
                    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET TIMEOUT 120)
  endif()
endif()
if(EXISTS ${bundle})
  file(COPY ${bundle} DESTINATION ${OUT}/vendor)
  # Precompressed beside it (irisd answers a client that takes gzip with the .gz as it is).
  if(NOT EXISTS ${OUT}/vendor/mqtt.min.js.gz OR ${bundle} IS_NEWER_THAN ${OUT}/vendor/mqtt.min.js.gz)
    file(ARCHIVE_CREATE OUTPUT ${OUT}/vendor/mqtt.min.js.gz PATHS ${OUT}/vendor/mqtt.min.js
         FORMAT raw COMPRESSION GZip)
  endif()
else()
  message(WARNING "web: MQTT.js not bundled (npm install mqtt failed); the app will long-poll only")
endif()
