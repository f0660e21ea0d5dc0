-- Drives `etlc lsp` from Neovim's own LSP client (Neovim 0.7 API, headless): opens the
-- file $ETL_FILE, waits for its diagnostics, asks for a hover at $HOVER_POS and a
-- completion at $COMPLETION_POS ("line:character", 0-based), and writes what it
-- received as JSON to $RESULT. Any Lua error exits non-zero (never hangs: a watchdog).
local function main()
  local etlc = assert(os.getenv('ETLC'), 'ETLC is not set')
  local file = assert(os.getenv('ETL_FILE'), 'ETL_FILE is not set')
  local result_path = assert(os.getenv('RESULT'), 'RESULT is not set')
  local function position(name)
    local line, character = string.match(assert(os.getenv(name), name .. ' is not set'), '^(%d+):(%d+)$')
    return { line = tonumber(line), character = tonumber(character) }
  end

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'etl'

  local diagnostics = nil
  local client_id = vim.lsp.start_client({
    name = 'etlc',
    cmd = { etlc, 'lsp' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, params, ctx, config)
        if params.uri == vim.uri_from_bufnr(buf) then diagnostics = params end
        vim.lsp.diagnostic.on_publish_diagnostics(err, params, ctx, config)
      end,
    },
  })
  assert(client_id, 'vim.lsp.start_client failed')
  vim.lsp.buf_attach_client(buf, client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  assert(vim.wait(20000, function() return client.initialized end, 20), 'the server did not finish initialize')
  assert(vim.wait(20000, function() return diagnostics ~= nil end, 20), 'no publishDiagnostics received')

  local uri = vim.uri_from_bufnr(buf)
  local function request(method, pos)
    local answers, err = vim.lsp.buf_request_sync(buf, method, { textDocument = { uri = uri }, position = pos }, 20000)
    assert(answers, method .. ': ' .. tostring(err))
    local answer = answers[client_id]
    assert(answer, method .. ': no answer from etlc')
    assert(not answer.err, method .. ': ' .. vim.inspect(answer.err))
    return answer.result
  end
  local hover = request('textDocument/hover', position('HOVER_POS'))
  local completion = request('textDocument/completion', position('COMPLETION_POS'))

  -- What Neovim itself made of the diagnostics (vim.diagnostic), besides the raw params.
  local shown = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(shown, { lnum = d.lnum, col = d.col, message = d.message, severity = d.severity })
  end
  local out = assert(io.open(result_path, 'w'))
  out:write(vim.fn.json_encode({
    diagnostics = diagnostics,
    neovim_diagnostics = shown,
    hover = hover or vim.NIL,
    completion = completion or vim.NIL,
  }))
  out:close()
  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 20)
end

-- A watchdog: a hung request must fail the test, not the CI job's time limit.
vim.defer_fn(function()
  io.stderr:write('neovim client: watchdog: no result within 90 s\n')
  vim.cmd('cquit 3')
end, 90000)

local ok, err = xpcall(main, debug.traceback)
if not ok then
  io.stderr:write('neovim client: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 2')
end
vim.cmd('qall!')
