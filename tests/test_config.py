import pytest

from broadsheet.config import load_config
from broadsheet.errors import ConfigError


def test_defaults_then_file_then_environment(tmp_path):
    (tmp_path / "broadsheet.toml").write_text("port = 9000\npage_size = 5\n")
    env = {"BROADSHEET_DATA_DIR": str(tmp_path), "BROADSHEET_PORT": "9100"}
    config = load_config(environ=env)
    assert config.port == 9100 and config.page_size == 5 and config.host == "127.0.0.1"
    assert config.resolved_database_url.endswith("broadsheet.db")


def test_bad_values_are_one_clear_sentence(tmp_path):
    with pytest.raises(ConfigError, match="port must be a int"):
        load_config(environ={"BROADSHEET_PORT": "eighty", "BROADSHEET_DATA_DIR": str(tmp_path)})
    (tmp_path / "broadsheet.toml").write_text("colour = 'red'\n")
    with pytest.raises(ConfigError, match="unknown settings"):
        load_config(environ={"BROADSHEET_DATA_DIR": str(tmp_path)})


def test_secrets_are_masked(tmp_path):
    config = load_config(environ={"BROADSHEET_LLM_KEY": "sk-123", "BROADSHEET_DATA_DIR": str(tmp_path)})
    assert config.as_dict()["llm_key"] == "***" and config.llm_key == "sk-123"
