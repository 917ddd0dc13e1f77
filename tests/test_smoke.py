def test_home_shows_the_public_portal_with_a_sign_in_link_to_anonymous(client, db):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Khoa học, công nghệ và thị trường cho hợp tác xã" in body
    assert 'href="/accounts/login/"' in body and "Đăng nhập" in body


def test_staff_home_after_two_factor(clients):
    response = clients["officer"].get("/")
    assert response.status_code == 200
    assert "Xin chào" in response.content.decode()
