def test_home_shows_login_to_anonymous(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()


def test_staff_home_after_two_factor(clients):
    response = clients["officer"].get("/")
    assert response.status_code == 200
    assert "Xin chào" in response.content.decode()
