# Writes the package's default configuration (image/vitrine.toml.in) with the
# demo pack's public key, or with no trusted key when there is no demo pack.
#   cmake -DIN=TEMPLATE -DOUT=FILE [-DKEY_FILE=demo.pub] -P device-config.cmake
if(KEY_FILE)
  file(STRINGS ${KEY_FILE} key_lines)
  list(GET key_lines 1 key)   # minisign.pub: a comment line, then the key
  set(VITRINE_TRUSTED_KEYS "\"${key}\"")
else()
  set(VITRINE_TRUSTED_KEYS "")
endif()
configure_file(${IN} ${OUT} @ONLY)
